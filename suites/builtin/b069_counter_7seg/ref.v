module decade_counter (
  input            clk,
  input            reset,
  input            en,
  output reg [3:0] q
);
  always @(posedge clk) begin
    if (reset)   q <= 4'd0;
    else if (en) q <= (q == 4'd9) ? 4'd0 : q + 4'd1;
  end
endmodule

module seg_decoder (
  input      [3:0] d,
  output reg [6:0] seg
);
  always @(*) begin
    case (d)
      4'd0: seg = 7'b0111111;
      4'd1: seg = 7'b0000110;
      4'd2: seg = 7'b1011011;
      4'd3: seg = 7'b1001111;
      4'd4: seg = 7'b1100110;
      4'd5: seg = 7'b1101101;
      4'd6: seg = 7'b1111101;
      4'd7: seg = 7'b0000111;
      4'd8: seg = 7'b1111111;
      default: seg = 7'b1101111;
    endcase
  end
endmodule

module TopModule (
  input        clk,
  input        reset,
  input        en,
  output [3:0] digit,
  output [6:0] seg
);
  decade_counter counter (.clk(clk), .reset(reset), .en(en), .q(digit));
  seg_decoder decoder (.d(digit), .seg(seg));
endmodule
