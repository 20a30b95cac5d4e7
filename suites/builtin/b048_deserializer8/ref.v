module TopModule (
  input            clk,
  input            reset,
  input            in_valid,
  input            in_bit,
  output reg [7:0] data,
  output reg       out_valid
);
  reg [7:0] shreg;
  reg [2:0] cnt;
  always @(posedge clk) begin
    if (reset) begin
      shreg     <= 8'd0;
      cnt       <= 3'd0;
      data      <= 8'd0;
      out_valid <= 1'b0;
    end else begin
      out_valid <= 1'b0;
      if (in_valid) begin
        shreg <= {in_bit, shreg[7:1]};
        cnt   <= cnt + 3'd1;
        if (cnt == 3'd7) begin
          data      <= {in_bit, shreg[7:1]};
          out_valid <= 1'b1;
        end
      end
    end
  end
endmodule
