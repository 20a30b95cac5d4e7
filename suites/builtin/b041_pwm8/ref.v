module TopModule (
  input            clk,
  input            reset,
  input      [7:0] duty,
  output reg [7:0] cnt,
  output           pwm
);
  always @(posedge clk) begin
    if (reset) cnt <= 8'd0;
    else       cnt <= cnt + 8'd1;
  end
  assign pwm = cnt < duty;
endmodule
